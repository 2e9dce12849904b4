import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  bearerSecurity,
  problemSchema,
  requireCurrentRole,
  requireUser,
  sendCached,
  type SessionStates,
} from '@lectern/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lessonContentTooLarge } from '../courses.errors.js';
import type { CoursesService, Representation } from '../courses.service.js';
import { releaseBoundedCaching } from '../release-schedule.js';
import {
  courseDetailSchema,
  courseParams,
  courseSchema,
  createCourseBody,
  createInviteBody,
  createLessonBody,
  createSectionBody,
  inviteParams,
  inviteSchema,
  lessonParams,
  lessonSchema,
  listCoursesQuery,
  sectionParams,
  sectionSchema,
  updateCourseBody,
  updateLessonBody,
  updateSectionBody,
} from './courses.schemas.js';

export interface CourseRoutesOptions {
  service: CoursesService;
  /** Cache-Control max-age of answers anyone may share (nginx). */
  publicMaxAgeSeconds: number;
  /** Users' current roles and session versions, checked on every write. */
  sessionStates: SessionStates;
  /** How long after max-age nginx may answer with its copy while courses cannot be reached. */
  staleIfErrorSeconds: number;
}

/** Lesson content is up to 1 MiB of characters; the rest of the JSON fits in the remaining eighth. */
const lessonBodyLimit = 1_048_576 + 131_072;
const courseBodyLimit = 64 * 1024;

const tags = ['courses'];
const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, problemSchema])) as Record<
    number,
    typeof problemSchema
  >;

interface AjvIssue {
  instancePath: string;
  keyword: string;
}

/**
 * Lesson routes validate with attachValidation so that content over the limit is a 413, like a body over the
 * byte limit, rather than a 422; every other failure is rethrown for the kit's 422.
 */
function rejectInvalidLesson(request: FastifyRequest): void {
  const failure = request.validationError;
  if (!failure) return;
  const issues = (failure.validation ?? []) as AjvIssue[];
  const contentTooLong = issues.some(
    (issue) => issue.instancePath === '/content' && issue.keyword === 'maxLength',
  );
  if (failure.validationContext === 'body' && contentTooLong) throw lessonContentTooLarge();
  throw failure;
}

export const courseRoutes: FastifyPluginCallbackTypebox<CourseRoutesOptions> = (app, options, done) => {
  const { service, publicMaxAgeSeconds, staleIfErrorSeconds } = options;
  // Writes check the current role and session, so a demotion or a password reset counts from the next request;
  // reads do not, and stay free of any lookup.
  const writers = requireCurrentRole(options.sessionStates, 'instructor', 'admin');
  const send = (request: FastifyRequest, reply: FastifyReply, representation: Representation) =>
    sendCached(request, reply, representation.entry, {
      personal: representation.personal,
      ...releaseBoundedCaching(publicMaxAgeSeconds, representation.validUntil, Date.now()),
      staleIfErrorSeconds,
    });

  app.get(
    '/api/courses',
    {
      schema: {
        tags,
        summary: 'List courses by id: offset or keyset pages, search, or your own (owner=me)',
        querystring: listCoursesQuery,
        response: { 200: Type.Array(courseSchema), ...problems(401, 422) },
      },
    },
    async (request, reply) => {
      const { limit, offset, q, cursor, owner } = request.query;
      const ownerId = owner === 'me' ? requireUser(request).id : undefined;
      return send(request, reply, await service.listCourses({ limit, offset, q, cursor, ownerId }));
    },
  );

  app.get(
    '/api/courses/:id',
    {
      schema: {
        tags,
        summary: 'A course with its lesson summaries',
        params: courseParams,
        response: { 200: courseDetailSchema, ...problems(404, 422) },
      },
    },
    async (request, reply) =>
      send(request, reply, await service.courseDetail(request.params.id, request.user)),
  );

  app.post(
    '/api/courses',
    {
      onRequest: writers,
      bodyLimit: courseBodyLimit,
      schema: {
        tags,
        summary: 'Create a course owned by the caller (instructor or admin)',
        security: bearerSecurity,
        body: createCourseBody,
        response: { 201: courseSchema, ...problems(401, 403, 413, 422) },
      },
    },
    async (request, reply) => {
      const course = await service.createCourse(requireUser(request), request.body);
      return reply.code(201).header('location', `/api/courses/${course.id}`).send(course);
    },
  );

  app.put(
    '/api/courses/:id',
    {
      onRequest: writers,
      bodyLimit: courseBodyLimit,
      schema: {
        tags,
        summary: 'Change some fields of a course, e.g. publish it (owner or admin)',
        security: bearerSecurity,
        params: courseParams,
        body: updateCourseBody,
        response: { 200: courseSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request) => service.updateCourse(requireUser(request), request.params.id, request.body),
  );

  app.delete(
    '/api/courses/:id',
    {
      onRequest: writers,
      schema: {
        tags,
        summary: 'Delete a course and its lessons (owner or admin)',
        security: bearerSecurity,
        params: courseParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await service.deleteCourse(requireUser(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/courses/:id/lessons',
    {
      schema: {
        tags,
        summary:
          "A course's lessons with their content, by position (learners: none yet for unopened sections)",
        params: courseParams,
        response: { 200: Type.Array(lessonSchema), ...problems(404, 422) },
      },
    },
    async (request, reply) =>
      send(request, reply, await service.courseLessons(request.params.id, request.user)),
  );

  app.get(
    '/api/courses/:id/lessons/:lesson_id',
    {
      schema: {
        tags,
        summary: 'One lesson; 403 not_available_yet (with the date) to learners before its section opens',
        params: lessonParams,
        response: { 200: lessonSchema, ...problems(403, 404, 422) },
      },
    },
    async (request, reply) =>
      send(request, reply, await service.lesson(request.params.id, request.params.lesson_id, request.user)),
  );

  app.post(
    '/api/courses/:id/lessons',
    {
      onRequest: writers,
      bodyLimit: lessonBodyLimit,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Add a lesson at a position (default: last); later lessons move down (owner or admin)',
        security: bearerSecurity,
        params: courseParams,
        body: createLessonBody,
        response: { 201: lessonSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      rejectInvalidLesson(request);
      const lesson = await service.createLesson(requireUser(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('location', `/api/courses/${lesson.course_id}/lessons/${lesson.id}`)
        .send(lesson);
    },
  );

  app.put(
    '/api/courses/:id/lessons/:lesson_id',
    {
      onRequest: writers,
      bodyLimit: lessonBodyLimit,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Change a lesson; `order` moves it and renumbers the others (owner or admin)',
        security: bearerSecurity,
        params: lessonParams,
        body: updateLessonBody,
        response: { 200: lessonSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      rejectInvalidLesson(request);
      const { id, lesson_id: lessonId } = request.params;
      return service.updateLesson(requireUser(request), id, lessonId, request.body);
    },
  );

  app.delete(
    '/api/courses/:id/lessons/:lesson_id',
    {
      onRequest: writers,
      schema: {
        tags,
        summary: 'Delete a lesson; later lessons move up (owner or admin)',
        security: bearerSecurity,
        params: lessonParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await service.deleteLesson(requireUser(request), request.params.id, request.params.lesson_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/courses/:id/sections',
    {
      onRequest: writers,
      bodyLimit: courseBodyLimit,
      schema: {
        tags,
        summary: 'Add a section at a position (default: last), optionally released later (owner or admin)',
        security: bearerSecurity,
        params: courseParams,
        body: createSectionBody,
        response: { 201: sectionSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const section = await service.createSection(requireUser(request), request.params.id, request.body);
      return reply.code(201).send(section);
    },
  );

  app.put(
    '/api/courses/:id/sections/:section_id',
    {
      onRequest: writers,
      bodyLimit: courseBodyLimit,
      schema: {
        tags,
        summary: 'Rename, move (`order`) or date a section (owner or admin)',
        security: bearerSecurity,
        params: sectionParams,
        body: updateSectionBody,
        response: { 200: sectionSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const { id, section_id: sectionId } = request.params;
      return service.updateSection(requireUser(request), id, sectionId, request.body);
    },
  );

  app.delete(
    '/api/courses/:id/sections/:section_id',
    {
      onRequest: writers,
      schema: {
        tags,
        summary: 'Delete a section; its lessons stay, in no section (owner or admin)',
        security: bearerSecurity,
        params: sectionParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await service.deleteSection(requireUser(request), request.params.id, request.params.section_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/courses/:id/invites',
    {
      onRequest: writers,
      bodyLimit: courseBodyLimit,
      schema: {
        tags,
        summary: 'Create an invite code, optionally limited in uses and time (owner or admin)',
        security: bearerSecurity,
        params: courseParams,
        body: createInviteBody,
        response: { 201: inviteSchema, ...problems(401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const invite = await service.createInvite(requireUser(request), request.params.id, request.body);
      return reply.code(201).send(invite);
    },
  );

  app.get(
    '/api/courses/:id/invites',
    {
      onRequest: writers,
      schema: {
        tags,
        summary: "A course's invite codes with their uses (owner or admin)",
        security: bearerSecurity,
        params: courseParams,
        response: { 200: Type.Array(inviteSchema), ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const invites = await service.listInvites(requireUser(request), request.params.id);
      return reply.header('cache-control', 'private, no-store').send(invites);
    },
  );

  app.delete(
    '/api/courses/:id/invites/:code',
    {
      onRequest: writers,
      schema: {
        tags,
        summary: 'Revoke an invite code (owner or admin)',
        security: bearerSecurity,
        params: inviteParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await service.deleteInvite(requireUser(request), request.params.id, request.params.code);
      return reply.code(204).send(null);
    },
  );
  done();
};
